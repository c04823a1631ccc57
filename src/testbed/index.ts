/** The testbed: shaped links between a cluster's processes, fault injection, and the processes themselves. */
export {};
