/* Everything a payload needs. */
#ifndef FW_FW_H
#define FW_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "x86.h"
#include "libc.h"
#include "atomic.h"
#include "console.h"
#include "exit.h"
#include "tap.h"
#include "trap.h"
#include "timer.h"
#include "apic.h"
#include "smp.h"
#include "fwcfg.h"
#include "boot.h"
#include "cmos.h"

#endif
