"""The public portal (网上办事大厅): server-rendered pages for citizens and enterprises."""
