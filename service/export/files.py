"""Where export files live: `<data dir>/exports/<job id>/<attempt>/<Type>.ndjson`.

Each claim of a job writes into its own attempt folder, so a worker presumed dead that is still
writing never mixes its lines into the files of the attempt that took over; the completed
attempt's folder is the one served. With several machines the data directory must be shared
(every server answers every job's downloads).
"""

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportFiles:
    root: Path

    @staticmethod
    def under(data_dir: Path) -> "ExportFiles":
        return ExportFiles(data_dir / "exports")

    def folder(self, job_id: str, attempt: int) -> Path:
        return self.root / job_id / str(attempt)

    def file(self, job_id: str, attempt: int, res_type: str) -> Path:
        return self.folder(job_id, attempt) / f"{res_type}.ndjson"

    def remove(self, job_id: str, attempt: int | None = None) -> None:
        """A job's files (or one attempt's, and the job's folder once empty); gone already is
        fine."""
        target = self.root / job_id if attempt is None else self.folder(job_id, attempt)
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):  # another attempt's folder is still there
            (self.root / job_id).rmdir()

    def keep_only(self, job_id: str, attempt: int) -> None:
        """Remove the folders of a job's earlier attempts."""
        for folder in (self.root / job_id).glob("*"):
            if folder.name != str(attempt):
                shutil.rmtree(folder, ignore_errors=True)

    def jobs(self) -> list[str]:
        """The job ids that have a folder."""
        return [p.name for p in self.root.glob("*") if p.is_dir()]
