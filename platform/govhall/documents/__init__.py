"""Documents: notices, decisions and licences as signed PDFs with seal and QR code."""
