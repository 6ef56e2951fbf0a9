package sparkport

import java.util.concurrent.atomic.{AtomicInteger, AtomicLong, AtomicReference}

import org.apache.spark.SparkEnv
import org.apache.spark.connect.proto.{ReleaseSessionRequest, ReleaseSessionResponse, SparkConnectServiceGrpc}
import org.apache.spark.sql.classic.SparkSession
import org.apache.spark.sql.connect.service.SparkportConnectAccess
import org.sparkproject.connect.grpc.{ForwardingServerCallListener, Metadata, ServerCall, ServerCallHandler, ServerInterceptor, Status}

/**
 * A session's Spark Connect face: Spark Connect's gRPC service, started inside the session's
 * running SparkContext (the session driver calls `start` over py4j once Spark is up), serving the
 * session's own SparkSession to clients that name it (user id and session id, in the `sc://` URL
 * the server gives out), so temp views, cached data and SQL settings are one set for statements
 * and Connect clients alike. Any other (user, session) gets an isolated session, as Spark does.
 *
 * The settings are written into the live SparkConf just before the service starts, which reads
 * them then: the request's own `spark.connect.*` conf is refused by the server, so none of them
 * is the user's.
 */
object ConnectFace {
  final case class Shared(userId: String, sessionId: String, serverSessionId: String)

  private val shared = new AtomicReference[Shared]()

  /**
   * Starts the service on the first free port of `portLow`..`portHigh` on `host`, with clients
   * made to present `token` (Spark compares it with the bearer token of every call), and makes
   * `spark` the session of (`userId`, `sessionId`). Returns the port. Throws when no port is free.
   */
  def start(spark: SparkSession, host: String, portLow: Int, portHigh: Int, token: String, userId: String, sessionId: String): Int = {
    require(shared.get == null, "the Spark Connect face is already started")
    val conf = SparkEnv.get.conf
    conf.set("spark.connect.grpc.binding.address", host)
    conf.set("spark.connect.grpc.binding.port", portLow.toString)
    // Spark tries the port and then the next ones, one by one: maxRetries more of them.
    conf.set("spark.connect.grpc.port.maxRetries", (portHigh - portLow).toString)
    conf.set("spark.connect.authenticate.token", token)
    conf.set("spark.connect.grpc.interceptor.classes", Seq(classOf[KeepSharedSession], classOf[CountConnectCalls]).map(_.getName).mkString(","))
    val port = SparkportConnectAccess.start(spark.sparkContext)
    shared.set(Shared(userId, sessionId, SparkportConnectAccess.share(userId, sessionId, spark)))
    port
  }

  /** Stops the service, before the SparkContext stops (its gRPC threads would otherwise outlive it). */
  def stop(): Unit = if (shared.get != null) SparkportConnectAccess.stop()

  private[sparkport] def sharedSession: Option[Shared] = Option(shared.get)

  // When a call last began or ended (System.nanoTime: only differences count), and the calls open now.
  private val NoCall = Long.MinValue
  private val lastCall = new AtomicLong(NoCall)
  private val openCalls = new AtomicInteger(0)

  /**
   * How long the face has gone without a client, in milliseconds: since the last call ended, 0
   * while one is open, -1 before the first. The session driver reports it with each ping's reply,
   * so that Connect use keeps the session from its idle timeout (PROTOCOL.md, `ping`).
   */
  def idleMs(): Long =
    if (openCalls.get > 0) 0L
    else lastCall.get match {
      case NoCall => -1L
      case t => math.max(0L, (System.nanoTime - t) / 1000000L)
    }

  private[sparkport] def callBegan(): Unit = {
    lastCall.set(System.nanoTime)
    openCalls.incrementAndGet()
  }

  private[sparkport] def callEnded(): Unit = {
    lastCall.set(System.nanoTime)
    openCalls.decrementAndGet()
  }
}

/**
 * Keeps the shared session open. A Connect client's `SparkSession.stop()` sends ReleaseSession,
 * which would close the session's holder (its artifacts cleaned up, running Connect queries and
 * streams stopped) and remember its id as closed: no client could use it again, though the
 * session runs on. A ReleaseSession of the shared session is answered here, as done, and not
 * passed on; every other call passes through untouched.
 *
 * Spark builds it from spark.connect.grpc.interceptor.classes (hence the no-argument
 * constructor and the shared state in ConnectFace). The listener is wrapped only after the rest
 * of the chain has started the call, so a call Spark's token check refuses never reaches it:
 * that check closes the call without asking for its message.
 */
final class KeepSharedSession extends ServerInterceptor {
  private val release = SparkConnectServiceGrpc.getReleaseSessionMethod.getFullMethodName

  override def interceptCall[ReqT, RespT](
      call: ServerCall[ReqT, RespT],
      headers: Metadata,
      next: ServerCallHandler[ReqT, RespT]): ServerCall.Listener[ReqT] = {
    val inner = next.startCall(call, headers)
    if (call.getMethodDescriptor.getFullMethodName != release) return inner
    new ForwardingServerCallListener.SimpleForwardingServerCallListener[ReqT](inner) {
      @volatile private var answered = false

      override def onMessage(message: ReqT): Unit = (message, ConnectFace.sharedSession) match {
        case (r: ReleaseSessionRequest, Some(s)) if r.getSessionId == s.sessionId && r.getUserContext.getUserId == s.userId =>
          answered = true
          val reply = ReleaseSessionResponse.newBuilder().setSessionId(s.sessionId).setServerSideSessionId(s.serverSessionId).build()
          call.sendHeaders(new Metadata())
          call.sendMessage(reply.asInstanceOf[RespT])
          call.close(Status.OK, new Metadata())
        case _ => super.onMessage(message)
      }

      // Spark's handler runs the call when the client half-closes: not once it is answered.
      override def onHalfClose(): Unit = if (!answered) super.onHalfClose()
    }
  }
}

/**
 * Counts the face's calls (ConnectFace.idleMs), so that a session used only through Spark Connect
 * is not idle. A call counts from its first message to its end, so a long query's open stream
 * counts the whole time. A call Spark's token check refuses never counts: that check, further in
 * the chain, closes it without asking for a message. Built by Spark, as KeepSharedSession is.
 */
final class CountConnectCalls extends ServerInterceptor {
  override def interceptCall[ReqT, RespT](
      call: ServerCall[ReqT, RespT],
      headers: Metadata,
      next: ServerCallHandler[ReqT, RespT]): ServerCall.Listener[ReqT] =
    new ForwardingServerCallListener.SimpleForwardingServerCallListener[ReqT](next.startCall(call, headers)) {
      // gRPC calls a listener's methods one at a time; 0: no message yet, 1: counted, 2: ended.
      @volatile private var stage = 0

      override def onMessage(message: ReqT): Unit = {
        if (stage == 0) {
          stage = 1
          ConnectFace.callBegan()
        }
        super.onMessage(message)
      }

      override def onComplete(): Unit = try super.onComplete() finally end()

      override def onCancel(): Unit = try super.onCancel() finally end()

      private def end(): Unit = if (stage == 1) {
        stage = 2
        ConnectFace.callEnded()
      }
    }
}
