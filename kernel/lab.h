// Support for lab stubs. A handout replaces a lab's solution regions with stubs that compile
// and call lab_todo(), which says clearly which lab and which function is still to be written.
// Solution regions are marked in the source like this (tools/handout.py reads the markers):
//
//   // LAB 1 SOLUTION BEGIN
//   ...reference code...
//   // LAB 1 SOLUTION END
//   // LAB 1 STUB BEGIN
//   // lab_todo(1, "pmm: buddy allocation");
//   // return nullptr;
//   // LAB 1 STUB END
//
// In the reference tree the stub lines are comments; the handout uncomments them and drops the
// solution. See docs/labs.md.
#pragma once

// Prints "lab N: <what> is not implemented yet" the first few times it is reached.
void lab_todo(int lab, const char* what);
