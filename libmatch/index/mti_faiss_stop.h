//  mti_faiss_stop - asking FAISS's long computations on a thread to stop
//  (mti_faiss_extra.cpp), for callers that include no FAISS header.

#ifndef MTI_FAISS_STOP_H_INCLUDED
#define MTI_FAISS_STOP_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

//  Let FAISS's long computations on the calling thread (k-means
//  training, exhaustive and IVF searches, an HNSW graph's adding) stop
//  early, failing with "computation interrupted", once *stop is non-zero
//  (read atomically); NULL: never. Other threads are not affected (FAISS's
//  process-wide hook behind it is installed before main).
void mti_faiss_stop_when (const int *stop);

//  Whether the calling thread was asked to stop (mti_faiss_stop_when), for
//  the long work FAISS does not check itself (adding to an IVF or exact
//  index).
int mti_faiss_stop_asked (void);

#ifdef __cplusplus
}
#endif

#endif
