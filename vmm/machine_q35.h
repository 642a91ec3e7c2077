/* The q35 machine's devices, wired onto the buses with their interrupt lines and machine
 * controls. Device state survives a system reset (the CMOS is battery-backed); KVM state does
 * not (vm_kvm_build runs again and calls q35_kvm_setup). */
#ifndef ENLIGHT_MACHINE_Q35_H
#define ENLIGHT_MACHINE_Q35_H

struct vm;

int q35_devices_create(struct vm *vm);
void q35_devices_reset(struct vm *vm);
void q35_devices_destroy(struct vm *vm);
/* ACPI power button (QMP system_powerdown): PWRBTN_STS and the SCI, ACPI 6.4 §4.8.3.1.
 * Call it with the vCPUs paused: device state has no lock. */
void q35_power_button(struct vm *vm);
/* Per KVM VM instance (after KVM_CREATE_IRQCHIP): coalesced regions. */
int q35_kvm_setup(struct vm *vm);

#endif
