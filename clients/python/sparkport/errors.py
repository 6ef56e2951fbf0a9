"""The server said no (SparkportError: status, stable code, message) or could not be reached."""

# The client's own code for a wait that ran out here. It is not an answer from the server, so
# it is not one of the server's codes in protocol.json; 504 because the server has not failed.
CLIENT_TIMEOUT = "TIMEOUT"
CLIENT_TIMEOUT_STATUS = 504


class SparkportError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class NetworkError(Exception):
    pass
