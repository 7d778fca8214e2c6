from arcsupport.cli import main

main()
