/*
 * lapack_internal.h -- Fortran prototypes of the LAPACK routines duet calls
 * (Debian ships OpenBLAS's LAPACK without LAPACKE).  Arguments are passed by
 * reference, matrices column-major.
 */
#ifndef DUET_LAPACK_INTERNAL_H
#define DUET_LAPACK_INTERNAL_H

/* QR factorisation: A = Q R, R in the upper triangle, Householder vectors
 * below it with scalars in tau. */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda,
             double *tau, double *work, const int *lwork, int *info);

/* Form the first n columns of Q from dgeqrf's output. */
void dorgqr_(const int *m, const int *n, const int *k, double *a,
             const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

/* Eigenvalues and eigenvectors of a symmetric matrix (prs/ldref.c). */
void dsyevr_(const char *jobz, const char *range, const char *uplo,
             const int *n, double *a, const int *lda, const double *vl,
             const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z,
             const int *ldz, int *isuppz, double *work, const int *lwork,
             int *iwork, const int *liwork, int *info);

/* Cholesky factorisation of a symmetric positive definite matrix
 * (prs/bayes.c). */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
             int *info);

#endif
