"""How the driver process exits; the server reads the code when the connection is gone."""

EXIT_OK = 0
EXIT_FATAL = 1  # Spark failed to start, or its JVM died later
EXIT_HANDSHAKE = 2  # the server refused us (bad token, protocol) or never answered properly
EXIT_CONNECTION_LOST = 3
