"""Reading a rendered page the way a test needs it: the charts' series (the JSON the canvas
carries), the tables' cells, form fields and the visible text."""

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Page(HTMLParser):
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)  # canvas id → its data
    titles: dict[str, str] = field(default_factory=dict)  # canvas id → the chart's heading
    tables: list[list[list[str]]] = field(default_factory=list)
    inputs: list[dict[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name → option values
    text: list[str] = field(default_factory=list)
    _heading: str = ""
    _in_heading: bool = False
    _row: list[str] | None = None
    _cell: list[str] | None = None
    _select: str | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "h2":
            self._in_heading, self._heading = True, ""
        elif tag == "canvas" and "data-chart" in values:
            self.charts[values["id"]] = json.loads(values["data-chart"])
            self.titles[values["id"]] = self._heading
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "input" or tag == "textarea":
            self.inputs.append(values)
        elif tag == "select":
            self._select = values.get("name", "")
            self.options.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self.options[self._select].append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_heading = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_heading:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)

    def chart(self, title: str) -> dict[str, Any]:
        found = [self.charts[i] for i, t in self.titles.items() if t == title]
        assert len(found) == 1, f"no chart {title!r} in {list(self.titles.values())}"
        return found[0]

    def series(self, title: str, which: str = "area") -> list[float | None]:
        for series in self.chart(title)["series"]:
            if series["label"] == which:
                return list(series["values"])
        raise AssertionError(f"{title!r} has no {which} series")

    def table_under(self, title: str) -> list[list[str]]:
        """The table under a chart (each chart's section has one table, in the same order)."""
        return self.tables[list(self.titles.values()).index(title)]

    def field(self, name: str) -> str:
        return next(i.get("value", "") for i in self.inputs if i.get("name") == name)

    @property
    def plain(self) -> str:
        return " ".join("".join(self.text).split())


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page
