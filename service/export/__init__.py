"""FHIR Bulk Data export (`$export`, Bulk Data Access IG 2.0): jobs kept in the database, run in
the background by any server or worker process, written as NDJSON files under the data
directory, and limited to what the caller may read."""
