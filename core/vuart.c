/* Emulated COM1 of a partition: see vuart.h. Registers: core/lib/uart16550.h. */
#include "core/vuart.h"
#include "core/lib/string.h"
#include "core/lib/uart16550.h"

void vuart_reset(struct vuart *u)
{
	memset(u, 0, sizeof(*u));
}

void vuart_write(struct vuart *u, u32 reg, u8 val, vuart_line_fn emit, void *ctx)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else if (!(u->mcr & UART_MCR_LOOP)) /* loopback: the byte never leaves the chip */
			guest_line_put(&u->line, val, emit, ctx); /* guesttext.h */
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_FCR:
		u->fcr = val & 0xc9; /* enable, DMA mode, trigger level; resets self-clear */
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

/* In loopback, the modem outputs come back as inputs: DTR->DSR, RTS->CTS, OUT1->RI,
 * OUT2->DCD. Otherwise the line looks connected: DCD, DSR and CTS. */
static u8 modem_status(const struct vuart *u)
{
	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (u8)(((u->mcr & UART_MCR_DTR) << 5) | ((u->mcr & UART_MCR_RTS) << 3) |
		    ((u->mcr & UART_MCR_OUT1) << 4) | ((u->mcr & UART_MCR_OUT2) << 4));
}

bool vuart_receive(struct vuart *u, u8 byte)
{
	if (u->rx_count == VUART_RX)
		return false;
	u->rx[(u->rx_head + u->rx_count++) % VUART_RX] = byte;
	return true;
}

static u8 take_rx(struct vuart *u)
{
	u8 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX;
	u->rx_count--;
	return c;
}

/* Interrupt identification, highest priority first: received data, then THR empty. */
static u8 interrupt_id(const struct vuart *u)
{
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return UART_IIR_RDI;
	return (u->ier & UART_IER_THRI) ? UART_IIR_THRI : UART_IIR_NO_INT;
}

u8 vuart_read(struct vuart *u, u32 reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO_ON : 0;

	switch (reg) {
	case UART_RBR:
		return dlab ? u->dll : take_rx(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return (u8)(fifo | interrupt_id(u));
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return (u8)(UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0));
	case UART_MSR:
		return modem_status(u);
	default:
		return u->scr;
	}
}
