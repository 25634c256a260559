"""History import and export in the JSON Lines interchange format (docs/history.md):
`importer.history_import`, `exporter.history_export`, `report.ImportReport`."""
