package sparkport

import java.io.ByteArrayOutputStream
import java.nio.charset.StandardCharsets.UTF_8

/**
 * What one statement prints (Console output and the interpreter's echo), kept up to a byte limit.
 *
 * Written by the statement's thread and read concurrently by `drainLines`, which hands out
 * complete lines only, so a live stream never splits a line or a UTF-8 character.
 */
final class CaptureBuffer extends ByteArrayOutputStream(8192) {
  private var limit = Int.MaxValue
  private var overflowed = false
  private var drained = 0

  def reset(maxBytes: Int): Unit = synchronized {
    super.reset()
    if (buf.length > (1 << 20)) buf = new Array[Byte](8192) // let a huge previous output go
    limit = math.max(0, maxBytes)
    overflowed = false
    drained = 0
  }

  override def write(b: Int): Unit = synchronized {
    if (count < limit) super.write(b) else overflowed = true
  }

  override def write(b: Array[Byte], off: Int, len: Int): Unit = synchronized {
    val room = limit - count
    if (len <= room) super.write(b, off, len)
    else {
      if (room > 0) super.write(b, off, room)
      overflowed = true
    }
  }

  /** Complete lines written since the last call, or "" when there are none. */
  def drainLines(): String = synchronized {
    var end = count
    while (end > drained && buf(end - 1) != '\n') end -= 1
    if (end <= drained) ""
    else {
      val text = new String(buf, drained, end - drained, UTF_8)
      drained = end
      text
    }
  }

  /** (everything captured, the part not drained yet, whether the limit cut something off). */
  def finish(): (String, String, Boolean) = synchronized {
    val all = new String(buf, 0, count, UTF_8)
    val rest = new String(buf, drained, count - drained, UTF_8)
    drained = count
    (all, rest, overflowed)
  }
}
