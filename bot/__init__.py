"""The runtime: configuration, storage, channels, web app and the command line."""
