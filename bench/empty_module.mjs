// The "empty module" case of cold start (bench/cold.mjs): an ES module with
// nothing in it, whose import is the floor any library's load pays.
export {};
