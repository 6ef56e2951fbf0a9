package sparkport

/**
 * The session's shared maps as the Python driver serves them: implemented in Python and
 * reached over py4j's callback channel, so Scala, Python and REST see one set of maps (REST
 * is answered from Python's control thread, which must not wait for the JVM).
 *
 * Plain strings only, so py4j converts nothing: every method answers JSON text, either
 * `{"ok": result}` or `{"error": message, "code": code}`. `entries` is a JSON object.
 */
trait SharedBridge {
  def get(map: String, key: String): String
  def put(map: String, entries: String): String
  def remove(map: String, key: String): String
  def keys(map: String): String
  def size(map: String): String
  def names(): String
  def items(map: String): String
  def drop(name: String): String
}
