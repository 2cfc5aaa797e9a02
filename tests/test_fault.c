/* test_fault: the fault module of the simulator. */
#include "sim.h"

Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	return s;
}
