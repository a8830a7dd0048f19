// Public door of the `bourse` command: bin/bourse.js runs main(); tests build
// the program to read its options and help.

export { buildProgram, main } from "./main.ts";
