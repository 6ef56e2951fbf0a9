package sparkport

/** The few JSON shapes the helper hands back to Python: results, %json values and tables. */
sealed trait Json

object Json {
  case object Null extends Json
  final case class Bool(value: Boolean) extends Json
  /** Already valid JSON number text, so longs, big integers and decimals keep every digit. */
  final case class Num(text: String) extends Json
  final case class Str(value: String) extends Json
  final case class Arr(items: Seq[Json]) extends Json
  final case class Obj(fields: Seq[(String, Json)]) extends Json

  def obj(fields: (String, Json)*): Obj = Obj(fields)
  def str(s: String): Json = if (s == null) Null else Str(s)
  def strings(items: Seq[String]): Arr = Arr(items.map(str))

  def render(value: Json): String = {
    val sb = new java.lang.StringBuilder
    write(value, sb)
    sb.toString
  }

  def write(value: Json, sb: java.lang.StringBuilder): Unit = value match {
    case Null => sb.append("null")
    case Bool(b) => sb.append(if (b) "true" else "false")
    case Num(t) => sb.append(t)
    case Str(s) => quoteTo(s, sb)
    case Arr(items) =>
      sb.append('[')
      var first = true
      items.foreach { item =>
        if (!first) sb.append(',')
        first = false
        write(item, sb)
      }
      sb.append(']')
    case Obj(fields) =>
      sb.append('{')
      var first = true
      fields.foreach { case (k, v) =>
        if (!first) sb.append(',')
        first = false
        quoteTo(k, sb)
        sb.append(':')
        write(v, sb)
      }
      sb.append('}')
  }

  def quoteTo(s: String, sb: java.lang.StringBuilder): Unit = {
    sb.append('"')
    var i = 0
    while (i < s.length) {
      val c = s.charAt(i)
      c match {
        case '"' => sb.append("\\\"")
        case '\\' => sb.append("\\\\")
        case '\n' => sb.append("\\n")
        case '\r' => sb.append("\\r")
        case '\t' => sb.append("\\t")
        // Control characters must be escaped; surrogates are escaped too, so a lone one
        // (legal in a Java string) survives py4j and reaches Python as what it is.
        case _ if c < 0x20 || Character.isSurrogate(c) => sb.append(f"\\u${c.toInt}%04x")
        case _ => sb.append(c)
      }
      i += 1
    }
    sb.append('"')
  }
}
