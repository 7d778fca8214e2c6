from arcsupport.cli import run

run()
