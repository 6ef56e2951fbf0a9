package sparkport

/**
 * Cuts a block into the requests the interpreter runs one after another, from the spans of
 * its top-level statements (as the compiler's parser found them).
 *
 * Each statement that runs code (a val, var or expression) is a request of its own, as in
 * spark-shell and Livy: every result gets its echo, what ran before a failure stays defined,
 * and a case class is never used by a Dataset inside the request that defines it (Spark reads
 * the REPL object holding the class from another thread, which would wait forever for that
 * object's initialiser). Consecutive definitions that run nothing (classes, objects, defs,
 * types, imports) share one request: fewer compiles, and companions stay companions.
 */
object Statements {
  final case class Span(start: Int, end: Int, inert: Boolean)
  final case class Piece(text: String, offset: Int)

  def split(code: String, spans: Seq[Span]): Seq[Piece] = {
    if (spans.isEmpty) return Nil
    val groupEnds = spans.indices.filter { i =>
      val last = i == spans.length - 1
      last || !(spans(i).inert && spans(i + 1).inert)
    }
    var from = 0
    groupEnds.map { i =>
      // Text between statements (comments, annotations, modifiers, `;`) belongs to the next
      // one; what follows the last statement belongs to it.
      val until = if (i == spans.length - 1) code.length else spans(i).end
      var start = from
      while (start < until && (code.charAt(start).isWhitespace || code.charAt(start) == ';')) start += 1
      from = until
      Piece(code.substring(start, until), start)
    }
  }

  /** The user's line number (from 1) of an offset in the block. */
  def lineOf(code: String, offset: Int): Int = {
    var line = 1
    var i = 0
    while (i < offset && i < code.length) {
      if (code.charAt(i) == '\n') line += 1
      i += 1
    }
    line
  }
}
