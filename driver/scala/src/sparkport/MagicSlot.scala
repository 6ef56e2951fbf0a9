package sparkport

/**
 * Where a magic's expression leaves its value: the interpreter compiles
 * `_root_.sparkport.MagicSlot.put(expr)`, so any expression works, with its static type
 * checked by the compiler, and no `resN` name is used up.
 */
object MagicSlot {
  @volatile private var value: Any = null

  def put(v: Any): Unit = value = v

  def take(): Any = {
    val v = value
    value = null
    v
  }
}
