/* test_thread: the thread module of the simulator. */
#include "sim.h"

Suite *thread_suite(void)
{
	Suite *s = suite_create("thread");
	return s;
}
