from voiceroute.cli import main

main()
