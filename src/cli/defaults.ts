/** Where the shipped recordings live, and where record mode writes unless told otherwise. */
export const DEFAULT_RECORDINGS = "fixtures/recordings";
