#!/usr/bin/env python
from afterdesk.cli import main

if __name__ == "__main__":
    main()
