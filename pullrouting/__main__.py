from pullrouting.cli import main

main()
