/* test_mem: the mem module of the simulator. */
#include "sim.h"

Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	return s;
}
