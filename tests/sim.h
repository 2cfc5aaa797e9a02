/* sim: shared helpers of the simulator's Check suites. */
#ifndef THREADLAB_SIM_TESTS_H
#define THREADLAB_SIM_TESTS_H

#include <check.h>

Suite *mem_suite(void);
Suite *heap_suite(void);
Suite *cpu_suite(void);
Suite *thread_suite(void);
Suite *sched_suite(void);
Suite *sync_suite(void);
Suite *fault_suite(void);

#endif
