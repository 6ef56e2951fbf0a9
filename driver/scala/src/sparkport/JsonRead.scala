package sparkport

import scala.collection.immutable.VectorMap

/**
 * JSON text → plain Scala values: String, Long (BigInt past Long), Double, Boolean, null,
 * Vector for arrays, VectorMap for objects (key order kept, as Python keeps it).
 */
object JsonRead {
  final class ParseError(message: String) extends Exception(message)

  def parse(text: String): Any = {
    val p = new Parser(text)
    p.skipSpace()
    val v = p.value(0)
    p.skipSpace()
    if (!p.atEnd) p.fail("trailing characters")
    v
  }

  private final class Parser(s: String) {
    private var i = 0

    def atEnd: Boolean = i >= s.length

    def fail(what: String): Nothing = throw new ParseError(s"bad JSON at offset $i: $what")

    def skipSpace(): Unit = while (i < s.length && " \t\r\n".indexOf(s.charAt(i)) >= 0) i += 1

    def value(depth: Int): Any = {
      if (depth > ValueJson.MaxDepth) fail("nested too deeply")
      if (atEnd) fail("unexpected end")
      s.charAt(i) match {
        case '"' => string()
        case '{' => obj(depth)
        case '[' => arr(depth)
        case 't' => literal("true", true)
        case 'f' => literal("false", false)
        case 'n' => literal("null", null)
        case c if c == '-' || (c >= '0' && c <= '9') => number()
        case c => fail(s"unexpected '$c'")
      }
    }

    private def literal(word: String, v: Any): Any =
      if (s.startsWith(word, i)) { i += word.length; v } else fail(s"expected $word")

    private def expect(c: Char): Unit =
      if (i < s.length && s.charAt(i) == c) i += 1 else fail(s"expected '$c'")

    private def obj(depth: Int): Any = {
      expect('{')
      val b = VectorMap.newBuilder[String, Any]
      skipSpace()
      if (i < s.length && s.charAt(i) == '}') { i += 1; return b.result() }
      var more = true
      while (more) {
        skipSpace()
        val k = string()
        skipSpace()
        expect(':')
        skipSpace()
        b += k -> value(depth + 1)
        skipSpace()
        if (i < s.length && s.charAt(i) == ',') i += 1 else { expect('}'); more = false }
      }
      b.result()
    }

    private def arr(depth: Int): Any = {
      expect('[')
      val b = Vector.newBuilder[Any]
      skipSpace()
      if (i < s.length && s.charAt(i) == ']') { i += 1; return b.result() }
      var more = true
      while (more) {
        skipSpace()
        b += value(depth + 1)
        skipSpace()
        if (i < s.length && s.charAt(i) == ',') i += 1 else { expect(']'); more = false }
      }
      b.result()
    }

    private def number(): Any = {
      val start = i
      if (s.charAt(i) == '-') i += 1
      while (i < s.length && "0123456789.eE+-".indexOf(s.charAt(i)) >= 0) i += 1
      val t = s.substring(start, i)
      try {
        if (t.exists(c => c == '.' || c == 'e' || c == 'E')) t.toDouble
        else {
          val big = BigInt(t)
          if (big.isValidLong) big.toLong else big
        }
      } catch { case _: NumberFormatException => i = start; fail(s"bad number '$t'") }
    }

    private def string(): String = {
      expect('"')
      val sb = new java.lang.StringBuilder
      while (true) {
        if (i >= s.length) fail("unterminated string")
        val c = s.charAt(i)
        i += 1
        c match {
          case '"' => return sb.toString
          case '\\' =>
            if (i >= s.length) fail("unterminated string")
            val e = s.charAt(i)
            i += 1
            e match {
              case '"' => sb.append('"')
              case '\\' => sb.append('\\')
              case '/' => sb.append('/')
              case 'b' => sb.append('\b')
              case 'f' => sb.append('\f')
              case 'n' => sb.append('\n')
              case 'r' => sb.append('\r')
              case 't' => sb.append('\t')
              case 'u' =>
                if (i + 4 > s.length) fail("short \\u escape")
                try sb.append(Integer.parseInt(s.substring(i, i + 4), 16).toChar)
                catch { case _: NumberFormatException => fail("bad \\u escape") }
                i += 4
              case other => fail(s"bad escape '\\$other'")
            }
          case _ => sb.append(c)
        }
      }
      throw new IllegalStateException // unreachable
    }
  }
}
