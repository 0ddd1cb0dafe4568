from fairwatt.cli.app import main

main()
