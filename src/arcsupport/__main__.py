from arcsupport.cli.app import main

main()
