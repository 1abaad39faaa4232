"""Report tables (rows of typed cells) written as the files municipalities open: CSV as Swedish
spreadsheets read it, and xlsx with types and number formats kept."""
