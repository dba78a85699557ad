"""``python -m govhall`` runs the CLI."""

from govhall.cli import main

main()
