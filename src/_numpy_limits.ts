/**
 * NumPy's limits, which every file written here keeps so that NumPy can
 * load it: an item is under 2**31 bytes (NumPy's itemsize is a C int;
 * beyond, NumPy refuses it or wraps it negative), and arrays and sub-arrays
 * have at most 32 dimensions (`NPY_MAXDIMS`).
 *
 * @module
 */

/** The largest itemsize NumPy holds, in bytes. */
export const MAX_ITEMSIZE = 2 ** 31 - 1;

/** The most dimensions of an array, or of one sub-array level. */
export const MAX_DIMS = 32;
