"""The staff workbench (工作台): pages for window and back-office staff."""
