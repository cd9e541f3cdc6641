#include "tap.h"
int main(void)
{
    apr_pool_t *pool = tap_start();

    return tap_done(pool);
}
