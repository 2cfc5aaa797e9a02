/* test_cpu: the cpu module of the simulator. */
#include "sim.h"

Suite *cpu_suite(void)
{
	Suite *s = suite_create("cpu");
	return s;
}
