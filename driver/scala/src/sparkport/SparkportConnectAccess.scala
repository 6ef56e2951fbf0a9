// In Spark's package on purpose: what sparkport.ConnectFace needs of Spark Connect's server is
// `private[connect]` (the bound port, a session holder's set-up, the session manager). Scala
// compiles such members as public, so this object, compiled into the Scala helper jar, can reach
// them without reflection, and a Spark that renames one fails the helper's build, not a session.
package org.apache.spark.sql.connect.service

import org.apache.spark.SparkContext
import org.apache.spark.sql.classic.SparkSession

object SparkportConnectAccess {
  /** Starts the gRPC service in the running context (as the Connect plugin would at start-up); the port it bound. */
  def start(sc: SparkContext): Int = {
    SparkConnectService.start(sc)
    SparkConnectService.localPort
  }

  /**
   * Makes `spark` the session of (`userId`, `sessionId`), never expiring (-1: Spark's "no
   * timeout"; an idle hour would otherwise close it). Returns its server-side session id.
   */
  def share(userId: String, sessionId: String, spark: SparkSession): String = {
    val holder = SessionHolder(userId, sessionId, spark)
    // What the session manager does to the holders it creates; executions fail without it.
    holder.initializeSession()
    holder.setCustomInactiveTimeoutMs(Some(-1L))
    SparkConnectService.sessionManager.putSessionForTesting(holder)
    holder.serverSessionId
  }

  def stop(): Unit = SparkConnectService.stop()
}
