import sys

from server.command import main

sys.exit(main())
