#include "occi_store.h"
