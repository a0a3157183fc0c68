"""The app icon, desktop entry and AppStream metainfo (installed by ``desktop_entry``)."""
