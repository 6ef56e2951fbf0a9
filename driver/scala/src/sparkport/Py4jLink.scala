package sparkport

import java.net.Socket

/**
 * py4j's connections leave Nagle's algorithm on. A reply over about 8 KiB goes out in several
 * writes; the last waits for the ACK of the first, which Python's side delays by 40 ms. Every
 * answer between 8 KiB and a few hundred KiB (rows, Scala output, shared values) then took 44 ms
 * whatever its size; with TCP_NODELAY a 200 KB reply takes 2 ms.
 *
 * py4j has no setting for it, so the socket is found behind the calling thread: py4j serves each
 * Python thread's connection on a thread of its own whose Runnable holds the socket. Spark's
 * launcher opens java.lang to reflection (--add-opens), which reading the thread's fields needs.
 */
object Py4jLink {
  /** Sets TCP_NODELAY on the calling thread's py4j connection; what it found, for the log. */
  def noDelay(): String = {
    val target = runnable(Thread.currentThread())
    if (target == null) return "the calling thread has no Runnable"
    var c: Class[_] = target.getClass
    while (c != null) {
      val found = c.getDeclaredFields.find(f => classOf[Socket].isAssignableFrom(f.getType))
      found match {
        case Some(f) =>
          f.setAccessible(true)
          f.get(target) match {
            case s: Socket =>
              s.setTcpNoDelay(true)
              return "ok"
            case _ => return s"${target.getClass.getName}'s socket is not open"
          }
        case None => c = c.getSuperclass
      }
    }
    s"no socket in ${target.getClass.getName}"
  }

  /** The thread's Runnable: Thread.target up to JDK 18, Thread.holder.task from JDK 19. */
  private def runnable(t: Thread): AnyRef = {
    def field(on: AnyRef, name: String): Option[AnyRef] =
      try {
        val f = on.getClass.getDeclaredField(name)
        f.setAccessible(true)
        Option(f.get(on))
      } catch { case _: NoSuchFieldException => None }
    def threadField(name: String): Option[AnyRef] =
      try {
        val f = classOf[Thread].getDeclaredField(name)
        f.setAccessible(true)
        Option(f.get(t))
      } catch { case _: NoSuchFieldException => None }
    threadField("target").orElse(threadField("holder").flatMap(field(_, "task"))).orNull
  }
}
