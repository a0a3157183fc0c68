"""The frozen app's entry point (PyInstaller runs a script, not a console-script entry)."""

import sys

from mediasift.app.main import main

sys.exit(main())
