//  mt_zmq - the process's one ZeroMQ context (inproc:// endpoints only join
//  sockets of the same context). Below mt_curve and mt_wire, which both
//  make sockets in it.

#ifndef MT_ZMQ_H_INCLUDED
#define MT_ZMQ_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

//  The process-wide ZeroMQ context, made on first use. Never NULL (aborts
//  if ZeroMQ cannot start).
void *mt_zmq_context (void);

//  Terminate the context. At exit call mt_zmq_shutdown (mt_wire.h), which
//  also joins CURVE's authentication handler.
void mt_zmq_context_term (void);

#ifdef __cplusplus
}
#endif

#endif
