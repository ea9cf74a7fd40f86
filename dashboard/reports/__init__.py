"""Reports for finance, as CSV and XLSX files."""
