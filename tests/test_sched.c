/* test_sched: the sched module of the simulator. */
#include "sim.h"

Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	return s;
}
