package sparkport

/** Refused by the shared store: a bad name, a dataset used as a map, a value it cannot keep. */
final class SharedDataException(val code: String, message: String) extends RuntimeException(message)

/**
 * `shared` in Scala statements: the session's shared maps, the very ones Python code
 * (`shared["states"]`) and REST clients use. Values are JSON. Reads give String, Long (BigInt
 * when larger), Double, Boolean, null, Vector for arrays and VectorMap for objects; writes take
 * whatever `%json` converts (numbers, strings, Option, Seq, Map, case classes, Rows, dates).
 *
 * Every call goes to the Python driver, so it works on the driver only: a closure run on
 * executors cannot reach the maps (the binding is @transient).
 */
final class SharedMaps(bridge: SharedBridge) {
  /** A handle on a map; nothing is created until the first write, as reads of a missing map find nothing. */
  def apply(name: String): SharedMap = new SharedMap(name, this)

  /** Names of all maps and published datasets, sorted. */
  def names: Seq[String] = strings(call(_.names()))

  def contains(name: String): Boolean = names.contains(name)

  /** Drops a map or a dataset; false if there was none of that name. */
  def drop(name: String): Boolean = call(_.drop(name)) == true

  override def toString: String = s"shared(${names.mkString(", ")})"

  private[sparkport] def call(request: SharedBridge => String): Any = {
    if (bridge == null) throw new SharedDataException("UNAVAILABLE", "shared data is not available in this interpreter")
    val answer = JsonRead.parse(request(bridge)) match {
      case m: scala.collection.Map[_, _] => m.asInstanceOf[scala.collection.Map[String, Any]]
      case other => throw new SharedDataException("ERROR", s"unexpected answer from the shared store: $other")
    }
    answer.getOrElse("ok", {
      val code = String.valueOf(answer.getOrElse("code", "ERROR"))
      throw new SharedDataException(code, String.valueOf(answer.getOrElse("error", "the shared store failed")))
    })
  }

  private[sparkport] def strings(v: Any): Seq[String] = v match {
    case items: Seq[_] => items.map(String.valueOf)
    case _ => Nil
  }
}

/** One shared map, by name. Every read and write goes to the store; each write is atomic. */
final class SharedMap private[sparkport] (val name: String, maps: SharedMaps) {
  def apply(key: String): Any =
    get(key).getOrElse(throw new NoSuchElementException(s"key not found: $key (shared map '$name')"))

  def get(key: String): Option[Any] = maps.call(_.get(name, key)) match {
    case Seq(v) => Some(v)
    case _ => None
  }

  def getOrElse(key: String, default: => Any): Any = get(key).getOrElse(default)

  def contains(key: String): Boolean = get(key).isDefined

  /** `shared("states")("ak") = "Alaska"`; creates the map if needed. */
  def update(key: String, value: Any): Unit = put(Seq(key -> value))

  def +=(entry: (String, Any)): this.type = { put(Seq(entry)); this }

  /** Several entries at once, applied whole or not at all. */
  def ++=(entries: IterableOnce[(String, Any)]): this.type = { put(entries.iterator.toSeq); this }

  /** False if the key (or the map) did not exist. */
  def remove(key: String): Boolean = maps.call(_.remove(name, key)) == true

  /** Keys in sorted order. */
  def keys: Seq[String] = maps.strings(maps.call(_.keys(name)))

  def size: Int = maps.call(_.size(name)) match {
    case n: Long => n.toInt
    case _ => 0
  }

  def isEmpty: Boolean = size == 0

  /** A copy of the whole map, read at once. */
  def toMap: Map[String, Any] = maps.call(_.items(name)) match {
    case m: Map[_, _] => m.asInstanceOf[Map[String, Any]]
    case _ => Map.empty
  }

  override def toString: String = s"SharedMap($name, $size keys)"

  private def put(entries: Seq[(String, Any)]): Unit = {
    val json = Json.Obj(entries.map { case (k, v) =>
      if (k == null) throw new IllegalArgumentException("shared map keys cannot be null")
      k -> ValueJson.convert(v)
    })
    maps.call(_.put(name, Json.render(json)))
  }
}
