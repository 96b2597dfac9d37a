// SPDX-License-Identifier: GPL-2.0-or-later
/* The trivial C program hwpinject's start-up is compared with (dynamically linked, like it). */
int main(void)
{
	return 0;
}
