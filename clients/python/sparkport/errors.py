"""The server said no (SparkportError: status, stable code, message) or could not be reached."""


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
