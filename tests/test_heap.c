/* test_heap: the heap module of the simulator. */
#include "sim.h"

Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	return s;
}
